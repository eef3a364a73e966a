package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.api.v1alpha1.VirtualKeyStatus;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlimStoreTest {
    private static Secret secret() {
        Secret s = Fixtures.secret("team", "creds", Map.of("key", "sk-value"));
        s.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("kubectl").build()));
        s.getMetadata().setAnnotations(Map.of(SlimStore.LAST_APPLIED, "{\"data\":{\"key\":\"c2stdmFsdWU=\"}}",
                "team/owner", "alice"));
        return s;
    }

    @Test
    void dropsManagedFieldsAndLastAppliedButKeepsWhatIsRead() {
        SlimStore<Secret> store = new SlimStore<>();
        Secret s = secret();
        store.put(store.getKey(s), s);
        Secret kept = store.get("team/creds");
        assertThat(kept.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(kept.getMetadata().getAnnotations()).containsOnlyKeys("team/owner");
        assertThat(kept.getMetadata().getLabels()).isNotEmpty();
        assertThat(Fixtures.decode(kept, "key")).isEqualTo("sk-value");
    }

    @Test
    void copiesOfOneObjectShareTheirMetadataStrings() {
        SlimStore<Secret> a = new SlimStore<>();
        SlimStore<Secret> b = new SlimStore<>();
        Secret one = secret();
        Secret two = secret(); // as another informer deserializes it: equal, distinct Strings
        one.getMetadata().setUid(new String("6f1c-uid"));
        two.getMetadata().setUid(new String("6f1c-uid"));
        assertThat(one.getMetadata().getUid()).isNotSameAs(two.getMetadata().getUid());
        a.put(a.getKey(one), one);
        b.put(b.getKey(two), two);
        assertThat(a.get("team/creds").getMetadata().getUid()).isSameAs(b.get("team/creds").getMetadata().getUid());
    }

    @Test
    void existenceOnlyKeepsNoKey() {
        SlimStore<Secret> store = new SlimStore.ExistenceOnly();
        Secret s = secret();
        store.put(store.getKey(s), s);
        Secret kept = store.get("team/creds");
        assertThat(kept.getMetadata().getName()).isEqualTo("creds");
        assertThat(kept.getData()).isNullOrEmpty();
    }

    @Test
    void virtualKeysWithoutStatusKeepSpecAndLabels() {
        SlimStore<VirtualKey> store = SlimStore.withoutStatus();
        VirtualKey vk = Fixtures.key("team", "k");
        vk.getMetadata().setLabels(Map.of("tier", "gold"));
        vk.getSpec().setBudgetRefs(List.of("monthly"));
        vk.setStatus(new VirtualKeyStatus());
        store.put(store.getKey(vk), vk);
        VirtualKey kept = store.get("team/k");
        assertThat(kept.getStatus()).isNull();
        assertThat(kept.getSpec().getBudgetRefs()).containsExactly("monthly");
        assertThat(kept.getMetadata().getLabels()).containsEntry("tier", "gold");
    }
}
