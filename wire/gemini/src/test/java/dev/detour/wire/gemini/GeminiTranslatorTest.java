package dev.detour.wire.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.Usage;
import dev.detour.wire.openai.OpenAiJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeminiTranslatorTest {

    private static JsonNode json(String text) {
        try {
            return GeminiTranslator.MAPPER.readTree(text.replace('\'', '"'));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ChatRequest openAi(String body) {
        return OpenAiJson.parseRequest(json(body));
    }

    private static ObjectNode translate(ChatRequest r) {
        return GeminiTranslator.toGenerateContentRequest(r, List.of());
    }

    // ---------------------------------------------------------------- request direction

    @Test
    void system_and_developer_messages_become_the_system_instruction() {
        ChatRequest r = openAi("{'model':'gemini-2.5-flash','messages':["
                + "{'role':'system','content':'You are a cat. Your name is Neko.'},"
                + "{'role':'developer','content':'Answer briefly.'},"
                + "{'role':'user','content':'Good morning! How are you?'}]}");

        ObjectNode body = translate(r);

        assertEquals(json("{'parts':[{'text':'You are a cat. Your name is Neko.'},{'text':'Answer briefly.'}]}"),
                body.get("systemInstruction"));
        assertEquals(json("[{'role':'user','parts':[{'text':'Good morning! How are you?'}]}]"), body.get("contents"));
    }

    @Test
    void a_conversation_of_only_system_text_is_sent_as_the_user_turn() {
        ObjectNode body = translate(openAi("{'model':'m','messages':[{'role':'system','content':'Say hi'}]}"));

        assertFalse(body.has("systemInstruction"));
        assertEquals(json("[{'role':'user','parts':[{'text':'Say hi'}]}]"), body.get("contents"));
    }

    @Test
    void assistant_becomes_model_and_consecutive_contents_of_one_role_are_merged() {
        ChatRequest r = openAi("{'model':'m','messages':["
                + "{'role':'user','content':'Hello'},"
                + "{'role':'user','content':[{'type':'text','text':'Are you there?'}]},"
                + "{'role':'assistant','content':'Yes.'},"
                + "{'role':'user','content':'Good.'}]}");

        assertEquals(json("[{'role':'user','parts':[{'text':'Hello'},{'text':'Are you there?'}]},"
                + "{'role':'model','parts':[{'text':'Yes.'}]},"
                + "{'role':'user','parts':[{'text':'Good.'}]}]"), translate(r).get("contents"));
    }

    @Test
    void function_call_round_trip_gives_the_documented_request_with_the_name_looked_up_by_call_id() {
        // The cookbook's multi-turn example, as an OpenAI client sends it.
        ChatRequest r = openAi("{'model':'gemini-2.0-flash','messages':["
                + "{'role':'user','content':'Which theaters in Mountain View show Barbie movie?'},"
                + "{'role':'assistant','content':null,'tool_calls':[{'id':'call_0','type':'function','function':"
                + "{'name':'find_theaters','arguments':'{\\'location\\':\\'Mountain View, CA\\',\\'movie\\':\\'Barbie\\'}'}}]},"
                + "{'role':'tool','tool_call_id':'call_0','content':'{\\'name\\':\\'find_theaters\\',\\'content\\':{\\'movie\\':\\'Barbie\\',"
                + "\\'theaters\\':[{\\'name\\':\\'AMC Mountain View 16\\',\\'address\\':\\'2000 W El Camino Real, Mountain View, CA 94040\\'},"
                + "{\\'name\\':\\'Regal Edwards 14\\',\\'address\\':\\'245 Castro St, Mountain View, CA 94040\\'}]}}'}],"
                + "'tools':[{'type':'function','function':{'name':'find_movies','description':'find movie titles currently playing in theaters based on any description, genre, title words, etc.',"
                + "'parameters':{'type':'object','properties':{'location':{'type':'string','description':'The city and state, e.g. San Francisco, CA or a zip code e.g. 95616'},"
                + "'description':{'type':'string','description':'Any kind of description including category or genre, title words, attributes, etc.'}},'required':['description'],'additionalProperties':false}}},"
                + "{'type':'function','function':{'name':'find_theaters','description':'find theaters based on location and optionally movie title which are is currently playing in theaters',"
                + "'parameters':{'$schema':'http://json-schema.org/draft-07/schema#','type':'object','properties':{'location':{'type':'string','description':'The city and state, e.g. San Francisco, CA or a zip code e.g. 95616'},"
                + "'movie':{'type':'string','description':'Any movie title'}},'required':['location']}}}]}");

        ObjectNode body = translate(r);

        ObjectNode documented = (ObjectNode) Fixtures.json("function_call_turn2_request.json").deepCopy();
        // The cookbook predates the Content.role rule ("must be either 'user' or 'model'").
        ((ObjectNode) documented.get("contents").get(2)).put("role", "user");
        assertEquals(documented.get("contents"), body.get("contents"));
        assertEquals(documented.get("tools"), body.get("tools"));
    }

    @Test
    void answers_to_parallel_calls_are_one_user_content_with_a_function_response_each() {
        ChatRequest r = openAi("{'model':'m','messages':[{'role':'user','content':'Weather in Paris and Rome?'},"
                + "{'role':'assistant','tool_calls':["
                + "{'id':'a','type':'function','function':{'name':'weather','arguments':'{\\'city\\':\\'Paris\\'}'}},"
                + "{'id':'b','type':'function','function':{'name':'time','arguments':''}}]},"
                + "{'role':'tool','tool_call_id':'b','content':'12:00'},"
                + "{'role':'tool','tool_call_id':'a','content':'{\\'temp\\':21}'}]}");

        JsonNode contents = translate(r).get("contents");

        assertEquals(3, contents.size());
        assertEquals(json("{'role':'model','parts':[{'functionCall':{'name':'weather','args':{'city':'Paris'}}},"
                + "{'functionCall':{'name':'time','args':{}}}]}"), contents.get(1));
        assertEquals(json("{'role':'user','parts':[{'functionResponse':{'name':'time','response':{'content':'12:00'}}},"
                + "{'functionResponse':{'name':'weather','response':{'temp':21}}}]}"), contents.get(2));
    }

    @Test
    void replayed_function_calls_to_gemini_3_carry_the_documented_skip_signature_sentinel() {
        String messages = "'messages':[{'role':'user','content':'Time?'},"
                + "{'role':'assistant','tool_calls':[{'id':'a','type':'function','function':{'name':'time','arguments':'{}'}}]},"
                + "{'role':'tool','tool_call_id':'a','content':'12:00'}]}";

        JsonNode gemini3 = translate(openAi("{'model':'gemini-3-flash-preview'," + messages)).at("/contents/1/parts/0");
        JsonNode gemini25 = translate(openAi("{'model':'gemini-2.5-flash'," + messages)).at("/contents/1/parts/0");

        assertEquals("skip_thought_signature_validator", gemini3.path("thoughtSignature").asText());
        assertFalse(gemini25.has("thoughtSignature"));
        assertTrue(GeminiTranslator.requiresThoughtSignatures("models/gemini-3.1-pro-preview"));
        assertFalse(GeminiTranslator.requiresThoughtSignatures("gemma-3-27b-it"));
    }

    @Test
    void a_tool_message_answering_an_unknown_call_is_an_invalid_request() {
        ChatRequest r = openAi("{'model':'m','messages':[{'role':'user','content':'x'},"
                + "{'role':'tool','tool_call_id':'nope','content':'1'}]}");

        ProviderException e = assertThrows(ProviderException.class, () -> translate(r));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void a_data_url_image_becomes_inline_data() {
        ChatRequest r = openAi("{'model':'m','messages':[{'role':'user','content':[{'type':'text','text':'What is this?'},"
                + "{'type':'image_url','image_url':{'url':'data:image/png;base64,iVBORw0KGgo='}}]}]}");

        assertEquals(json("[{'role':'user','parts':[{'text':'What is this?'},{'inlineData':{'mimeType':'image/png','data':'iVBORw0KGgo='}}]}]"),
                translate(r).get("contents"));
    }

    @Test
    void an_http_image_becomes_file_data_with_the_mime_type_guessed_from_its_extension() {
        ChatRequest r = openAi("{'model':'m','messages':[{'role':'user','content':["
                + "{'type':'image_url','image_url':{'url':'https://storage.googleapis.com/generativeai-downloads/images/jetpack.jpg?x=1'}},"
                + "{'type':'image_url','image_url':{'url':'https://example.com/render'}}]}]}");

        assertEquals(json("[{'fileData':{'mimeType':'image/jpeg','fileUri':'https://storage.googleapis.com/generativeai-downloads/images/jetpack.jpg?x=1'}},"
                + "{'fileData':{'fileUri':'https://example.com/render'}}]"), translate(r).get("contents").get(0).get("parts"));
    }

    @Test
    void an_image_url_no_provider_can_fetch_is_an_invalid_request_naming_the_field() {
        ChatRequest r = openAi("{'model':'m','messages':[{'role':'user','content':["
                + "{'type':'text','text':'What is this?'},{'type':'image_url','image_url':{'url':'file:///etc/passwd'}}]}]}");

        ProviderException e = assertThrows(ProviderException.class, () -> translate(r));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals(0, e.status());
        assertTrue(e.getMessage().contains("messages[0].content[1]") && e.getMessage().contains("'file:'"), e.getMessage());
        assertFalse(e.getMessage().contains("/etc/passwd"), "the client's path is not echoed");
    }

    @Test
    void a_content_part_of_an_unmodelled_type_is_refused_as_unsupported() {
        ChatRequest r = openAi("{'model':'m','messages':[{'role':'user','content':["
                + "{'type':'input_audio','input_audio':{'data':'AAAA','format':'wav'}}]}]}");

        ProviderException e = assertThrows(ProviderException.class, () -> translate(r));

        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("input_audio"), e.getMessage());
    }

    @Test
    void schemas_are_reduced_to_geminis_openapi_subset() {
        JsonNode schema = json("{'$schema':'https://json-schema.org/draft/2020-12/schema','type':'object','additionalProperties':false,"
                + "'$defs':{'Colour':{'type':'string','enum':['red','green']}},"
                + "'properties':{'name':{'type':['string','null'],'minLength':1},"
                + "'colour':{'$ref':'#/$defs/Colour','description':'favourite'},"
                + "'size':{'oneOf':[{'type':'integer'},{'type':'null'}]},"
                + "'kind':{'const':'pet'},"
                + "'tags':{'type':'array','items':{'type':'string','format':'uri','examples':['a']},'maxItems':3}},"
                + "'required':['name'],'strict':true}");

        assertEquals(json("{'type':'OBJECT','properties':{"
                + "'name':{'type':'STRING','minLength':1,'nullable':true},"
                + "'colour':{'type':'STRING','enum':['red','green'],'description':'favourite'},"
                + "'size':{'type':'INTEGER','nullable':true},"
                + "'kind':{'enum':['pet']},"
                + "'tags':{'type':'ARRAY','items':{'type':'STRING','format':'uri'},'maxItems':3}},"
                + "'required':['name']}"), GeminiTranslator.toGeminiSchema(schema));
    }

    @Test
    void a_recursive_schema_is_refused_as_unsupported() {
        JsonNode schema = json("{'type':'object','properties':{'child':{'$ref':'#'}}}");

        ProviderException e = assertThrows(ProviderException.class, () -> GeminiTranslator.toGeminiSchema(schema));

        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
    }

    @Test
    void a_function_without_parameters_omits_the_empty_object_schema() {
        ChatRequest r = openAi("{'model':'m','messages':[{'role':'user','content':'x'}],'tools':[{'type':'function',"
                + "'function':{'name':'now','parameters':{'type':'object','properties':{}}}}]}");

        assertEquals(json("[{'functionDeclarations':[{'name':'now'}]}]"), translate(r).get("tools"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "'auto'|{'functionCallingConfig':{'mode':'AUTO'}}",
            "'none'|{'functionCallingConfig':{'mode':'NONE'}}",
            "'required'|{'functionCallingConfig':{'mode':'ANY'}}",
            "{'type':'function','function':{'name':'now'}}|{'functionCallingConfig':{'mode':'ANY','allowedFunctionNames':['now']}}"})
    void tool_choice_becomes_the_function_calling_mode(String choice, String expected) {
        ChatRequest r = openAi("{'model':'m','messages':[{'role':'user','content':'x'}],'tools':[{'type':'function',"
                + "'function':{'name':'now'}}],'tool_choice':" + choice + "}");

        assertEquals(json(expected), translate(r).get("toolConfig"));
    }

    @Test
    void sampling_fields_become_the_generation_config() {
        ChatRequest r = openAi("{'model':'m','messages':[{'role':'user','content':'x'}],'temperature':0.2,'top_p':0.9,"
                + "'max_tokens':100,'max_completion_tokens':200,'stop':['END'],'n':2,'seed':42,'presence_penalty':0.5,"
                + "'frequency_penalty':0.25}");

        assertEquals(json("{'stopSequences':['END'],'candidateCount':2,'maxOutputTokens':200,'temperature':0.2,'topP':0.9,"
                + "'seed':42,'presencePenalty':0.5,'frequencyPenalty':0.25}"), translate(r).get("generationConfig"));
    }

    @Test
    void json_object_asks_for_json_and_json_schema_adds_the_converted_schema() {
        ChatRequest object = openAi("{'model':'m','messages':[{'role':'user','content':'x'}],'response_format':{'type':'json_object'}}");
        ChatRequest schema = openAi("{'model':'m','messages':[{'role':'user','content':'x'}],'response_format':{'type':'json_schema',"
                + "'json_schema':{'name':'recipes','strict':true,'schema':{'type':'array','items':{'type':'object',"
                + "'properties':{'recipe_name':{'type':'string'}},'additionalProperties':false}}}}}");

        assertEquals(json("{'responseMimeType':'application/json'}"), translate(object).get("generationConfig"));
        assertEquals(json("{'responseMimeType':'application/json','responseSchema':{'type':'ARRAY','items':{'type':'OBJECT',"
                + "'properties':{'recipe_name':{'type':'STRING'}}}}}"), translate(schema).get("generationConfig"));
    }

    @Test
    void safety_settings_are_passed_through() {
        List<JsonNode> options = List.of(json("{'category':'HARM_CATEGORY_HARASSMENT','threshold':'BLOCK_ONLY_HIGH'}"));

        ObjectNode body = GeminiTranslator.toGenerateContentRequest(openAi("{'model':'m','messages':[{'role':'user','content':'x'}]}"), options);

        assertEquals(json("[{'category':'HARM_CATEGORY_HARASSMENT','threshold':'BLOCK_ONLY_HIGH'}]"), body.get("safetySettings"));
    }

    @Test
    void translation_leaves_the_request_unchanged() {
        ChatRequest r = openAi("{'model':'m','messages':[{'role':'user','content':'x'}],'tools':[{'type':'function',"
                + "'function':{'name':'f','parameters':{'type':'object','additionalProperties':false,'properties':{'a':{'type':'string'}}}}}],"
                + "'response_format':{'type':'json_schema','json_schema':{'name':'n','schema':{'type':'object','additionalProperties':false}}}}");
        String before = OpenAiJson.writeRequest(r).toString();

        translate(r);
        translate(r);

        assertEquals(before, OpenAiJson.writeRequest(r).toString());
    }

    @Test
    void a_model_name_that_is_not_a_plain_id_is_refused() {
        assertEquals("gemini-2.5-flash", GeminiTranslator.modelId("models/gemini-2.5-flash"));
        assertEquals(ErrorKind.INVALID_REQUEST, assertThrows(ProviderException.class,
                () -> GeminiTranslator.modelId("../files/x")).kind());
        for (String bad : new String[] {"", "models/", "-x", "a/b", "a:b", "a?b", "a b", "a%2F", "models/../x"}) {
            assertFalse(GeminiTranslator.isModelName(bad), bad);
        }
        for (String good : new String[] {"gemini-2.5-flash", "models/gemini-1.5-pro-002", "text_embedding.004", "x"}) {
            assertTrue(GeminiTranslator.isModelName(good), good);
        }
    }

    // ---------------------------------------------------------------- response direction

    @Test
    void the_documented_text_answer_becomes_one_choice_with_usage() {
        ChatResponse r = GeminiTranslator.fromGenerateContentResponse(Fixtures.json("text_response.json"), "fallback-id",
                "gemini-2.5-flash", 1700000000L);

        assertEquals("fallback-id", r.id());
        assertEquals("gemini-2.5-flash", r.model());
        assertTrue(r.text().startsWith("```python\n# Example list to be sorted"));
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(Usage.of(9, 87), r.usage());
    }

    @Test
    void the_documented_function_call_becomes_a_tool_call_with_a_synthesized_id() {
        ChatResponse r = GeminiTranslator.fromGenerateContentResponse(Fixtures.json("function_call_response.json"), "id", "m", 0);

        assertEquals(FinishReason.TOOL_CALLS, r.finishReason());
        List<ToolCall> calls = r.choices().get(0).message().toolCalls();
        assertEquals(1, calls.size());
        assertEquals("call_0", calls.get(0).id());
        assertEquals("find_theaters", calls.get(0).name());
        assertEquals(json("{'movie':'Barbie','location':'Mountain View, CA'}"), json(calls.get(0).arguments()));
        assertNull(r.choices().get(0).message().content());
        assertNull(r.usage());
    }

    @Test
    void a_function_call_id_sent_by_gemini_is_kept() {
        JsonNode body = json("{'candidates':[{'content':{'role':'model','parts':[{'functionCall':{'id':'fc-7','name':'f','args':{}}},"
                + "{'functionCall':{'name':'g'}}]},'finishReason':'STOP'}]}");

        List<ToolCall> calls = GeminiTranslator.fromGenerateContentResponse(body, "id", "m", 0).choices().get(0).message().toolCalls();

        assertEquals(List.of(new ToolCall("fc-7", "f", "{}"), new ToolCall("call_1", "g", "{}")), calls);
    }

    @Test
    void thought_parts_become_reasoning_and_thinking_tokens_count_as_completion_tokens() {
        ChatResponse r = GeminiTranslator.fromGenerateContentResponse(Fixtures.json("thinking_response.json"), "id", "m", 0);

        assertEquals("tTCwacuEBMvnitYP06qsgQY", r.id());
        assertEquals("gemini-2.5-flash", r.model());
        assertEquals("The maximum bending stress in the cantilever beam is **78.75 MPa**.", r.text());
        assertEquals("The user asks for the maximum bending stress; use sigma = M*c/I.", r.choices().get(0).message().reasoning());
        assertEquals(new Usage(120, 840, 64, 0, 800), r.usage());
    }

    @ParameterizedTest
    @CsvSource({"STOP,false,STOP", "STOP,true,TOOL_CALLS", "MAX_TOKENS,false,LENGTH", "SAFETY,false,CONTENT_FILTER",
            "RECITATION,false,CONTENT_FILTER", "BLOCKLIST,false,CONTENT_FILTER", "PROHIBITED_CONTENT,false,CONTENT_FILTER",
            "SPII,false,CONTENT_FILTER", "IMAGE_SAFETY,false,CONTENT_FILTER", "OTHER,false,STOP",
            "MALFORMED_FUNCTION_CALL,false,STOP"})
    void finish_reasons_map_to_canonical_ones(String gemini, boolean toolCalls, FinishReason expected) {
        assertEquals(expected, GeminiTranslator.finishReason(gemini, toolCalls));
    }

    @Test
    void a_blocked_prompt_without_candidates_fails_as_content_filter() {
        ProviderException e = assertThrows(ProviderException.class, () -> GeminiTranslator.fromGenerateContentResponse(
                Fixtures.json("prompt_blocked_response.json"), "id", "m", 0));

        assertEquals(ErrorKind.CONTENT_FILTER, e.kind());
        assertEquals("SAFETY", e.providerCode());
    }

    // ---------------------------------------------------------------- embeddings

    @Test
    void one_input_is_an_embed_content_request() {
        EmbeddingRequest r = new EmbeddingRequest("gemini-embedding-001", List.of("Hello world"), 256, null, null, null);

        assertEquals("embedContent", GeminiTranslator.embedMethod(r));
        assertEquals(json("{'model':'models/gemini-embedding-001','content':{'parts':[{'text':'Hello world'}]},'outputDimensionality':256}"),
                GeminiTranslator.toEmbedRequest(r));
    }

    @Test
    void several_inputs_are_a_batch_embed_contents_request() {
        EmbeddingRequest r = new EmbeddingRequest("gemini-embedding-001", List.of("a", "b"), null, null, null, null);

        assertEquals("batchEmbedContents", GeminiTranslator.embedMethod(r));
        assertEquals(json("{'requests':[{'model':'models/gemini-embedding-001','content':{'parts':[{'text':'a'}]}},"
                + "{'model':'models/gemini-embedding-001','content':{'parts':[{'text':'b'}]}}]}"), GeminiTranslator.toEmbedRequest(r));
    }

    @Test
    void documented_embedding_answers_become_vectors_in_input_order() {
        EmbeddingResponse one = GeminiTranslator.fromEmbedResponse(Fixtures.json("embed_content_response.json"), "e", 1);
        EmbeddingResponse three = GeminiTranslator.fromEmbedResponse(Fixtures.json("batch_embed_contents_response.json"), "e", 3);

        assertArrayEquals(new float[]{-0.02342152f, 0.01676572f, 0.009261323f, -0.06383f}, one.vectors().get(0));
        assertEquals(3, three.vectors().size());
        assertArrayEquals(new float[]{-0.0047850125f, 0.008764064f, 0.0062852204f}, three.vectors().get(2));
        assertEquals(ErrorKind.SERVER_ERROR, assertThrows(ProviderException.class,
                () -> GeminiTranslator.fromEmbedResponse(Fixtures.json("batch_embed_contents_response.json"), "e", 2)).kind());
    }
}
