package dev.tollgate.operator.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An alert as a Slack incoming-webhook message: POSTed as JSON ({@code Content-type: application/json}) to the
 * webhook URL, with {@code text} (the notification's fallback line) and {@code blocks} (Block Kit: a {@code header},
 * a {@code section} with the summary in mrkdwn, {@code section}s listing the details, a {@code context} line with the
 * gateway, severity and time). See https://api.slack.com/messaging/webhooks and the block references
 * https://docs.slack.dev/reference/block-kit/blocks/header-block (plain_text, at most 150 characters) and
 * https://api.slack.com/reference/block-kit/blocks#section (text at most 3000 characters); a message has at most 50
 * blocks. Text from resources is escaped as Slack's formatting asks ({@code &}, {@code <}, {@code >}), so a name can
 * never become a mention or a link.
 *
 * <p>Slack answers 200 with the body {@code ok}; otherwise a status and a plain-text error
 * (https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks): 400 {@code invalid_payload} /
 * {@code user_not_found}, 403 {@code action_prohibited}, 404 {@code channel_not_found} (or {@code no_service} for a
 * webhook that was removed), 410 {@code channel_is_archived}, 500 {@code rollup_error}; 429 when rate limited.
 * {@link #retryable} says which are worth another try.
 */
public final class SlackMessage {
    static final int HEADER_MAX = 150;
    static final int SECTION_MAX = 3000;
    static final int BLOCKS_MAX = 50;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SlackMessage() {}

    /** The message's JSON body. */
    public static String body(AlertEvent e) {
        ObjectNode root = JSON.createObjectNode();
        root.put("text", "[" + e.severity() + "] " + e.event() + ": " + escape(e.summary()));
        ArrayNode blocks = root.putArray("blocks");
        ObjectNode header = blocks.addObject().put("type", "header");
        header.putObject("text").put("type", "plain_text").put("text", cut(icon(e.severity()) + " " + e.event() + ": "
                + e.resource(), HEADER_MAX)).put("emoji", true);
        section(blocks, escape(e.summary()));
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> d : e.details().entrySet()) {
            lines.add("*" + escape(d.getKey()) + "*: " + escape(d.getValue()));
        }
        StringBuilder chunk = new StringBuilder();
        for (String line : lines) {
            if (chunk.length() > 0 && chunk.length() + 1 + line.length() > SECTION_MAX) {
                if (blocks.size() >= BLOCKS_MAX - 2) {
                    break; // the rest would not fit in one message: the webhook channel carries every detail
                }
                section(blocks, chunk.toString());
                chunk.setLength(0);
            }
            chunk.append(chunk.length() == 0 ? "" : "\n").append(line);
        }
        if (chunk.length() > 0) {
            section(blocks, chunk.toString());
        }
        ObjectNode context = blocks.addObject().put("type", "context");
        context.putArray("elements").addObject().put("type", "mrkdwn").put("text", escape("Tollgate gateway " + e.gateway()
                + " · " + e.severity() + " · " + e.at()));
        return root.toString();
    }

    private static void section(ArrayNode blocks, String mrkdwn) {
        blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn").put("text", cut(mrkdwn, SECTION_MAX));
    }

    /** Whether a delivery Slack answered with this status is worth another try: 429 and 5xx; any other 4xx is final. */
    public static boolean retryable(int status) {
        return status == 429 || status >= 500;
    }

    /** Slack's formatting escapes: {@code &}, {@code <} and {@code >} are control characters in message text. */
    static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    private static String icon(String severity) {
        return switch (severity) {
            case AlertEvent.CRITICAL -> ":rotating_light:";
            case AlertEvent.WARNING -> ":warning:";
            default -> ":information_source:";
        };
    }
}
