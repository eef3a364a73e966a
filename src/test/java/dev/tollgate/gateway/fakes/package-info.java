/**
 * Fake LLM upstreams for end-to-end tests: in-process Vert.x HTTP servers on 127.0.0.1 that follow each
 * provider's documented wire format, so the gateway can be tested against "OpenAI", "Azure OpenAI" and
 * "Anthropic" without a network.
 *
 * <pre>{@code
 * try (FakeOpenAi openai = FakeOpenAi.start("sk-upstream")) {
 *     // point the gateway's provider at openai.baseUrl()  (http://127.0.0.1:PORT/v1)
 *     openai.enqueue(Reply.text("Hi!").usage(12, 2));                        // next answer
 *     openai.enqueue(Reply.text("a b c").every(Duration.ofMillis(50)));      // streamed: one delta per word
 *     openai.enqueue(FakeOpenAi.rateLimited(Duration.ofSeconds(3)));         // 429 + retry-after
 *     openai.enqueue(Reply.text("x y z").cutAfter(2));                       // stream cut after 2 events
 *     openai.enqueue(Reply.text("x y z").hangAfter(1));                      // open until the client leaves
 *     openai.enqueue(Reply.hang());                                          // not even a status line
 *     openai.enqueue(Reply.text("x y z").cutBeforeContent());                // role chunk, then closed
 *     openai.enqueue(Reply.contentPolicy(), Reply.contextTooLong());         // the provider's own refusals
 *     openai.enqueueFor("gpt-4o-eu", FakeOpenAi.serverError());              // one deployment of several
 *     // … drive the gateway with a real client …
 *     openai.clientDisconnected().get(5, SECONDS);
 *     assertThat(openai.lastRequest().header("authorization")).isEqualTo("Bearer sk-upstream");
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link dev.tollgate.gateway.fakes.FakeOpenAi} — {@code /v1/chat/completions}, {@code /v1/completions},
 *       {@code /v1/embeddings}, {@code /v1/images/generations}, {@code GET /v1/models}; Bearer auth.</li>
 *   <li>{@link dev.tollgate.gateway.fakes.FakeAzureOpenAi} — {@code /openai/deployments/{d}/…?api-version=};
 *       {@code api-key} auth; Azure's error envelope and content-filter annotations.</li>
 *   <li>{@link dev.tollgate.gateway.fakes.FakeAnthropic} — {@code /v1/messages}; {@code x-api-key} and
 *       {@code anthropic-version}; the documented SSE event sequence.</li>
 *   <li>{@link dev.tollgate.gateway.fakes.FakeVertex} — Vertex AI: Claude's {@code :rawPredict} /
 *       {@code :streamRawPredict}, Gemini's {@code :generateContent} / {@code :streamGenerateContent} /
 *       {@code :embedContent} (rendered by {@link dev.tollgate.gateway.fakes.GeminiWire}, shared with FakeGemini)
 *       and the OpenAI-compatible {@code endpoints/openapi/chat/completions}, behind
 *       Bearer tokens from its own Google token endpoint, which verifies the service account's signed JWT (Google's
 *       auth library, the official client, gets its tokens there in {@code GoogleAccessTokensTest}).</li>
 *   <li>{@link dev.tollgate.gateway.fakes.FakeGemini} — Gemini API {@code /v1beta/models/{m}:generateContent},
 *       {@code :streamGenerateContent?alt=sse}, {@code :embedContent}, {@code :batchEmbedContents};
 *       {@code x-goog-api-key} (or {@code ?key=}); Google's error body with {@code RetryInfo}; safety blocks.</li>
 * </ul>
 * Each request consumes one scripted {@link dev.tollgate.gateway.fakes.Reply} (or the fake's
 * {@code behaviour}); requests rejected for auth, headers or body consume none. One fake may play several deployments
 * of a model group: {@code enqueueFor}/{@code behaviourFor}/{@code requestsFor} script and record each by the
 * upstream model it names (Azure: the deployment in its path) before the fake-wide script applies.
 * {@code FakeFailuresTest} shows every injected failure on the wire. Every request is recorded as a
 * {@link dev.tollgate.gateway.fakes.RecordedRequest}. The Fake*SdkTest classes prove the formats with the
 * official OpenAI, Anthropic and Google Gen AI Java SDKs.
 */
package dev.tollgate.gateway.fakes;
