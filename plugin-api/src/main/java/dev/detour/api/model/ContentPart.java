package dev.detour.api.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One part of a message's content: text, an image, or a part type Detour does not model (kept as
 * raw JSON so OpenAI-compatible targets receive it unchanged and other adapters can refuse it).
 */
public sealed interface ContentPart permits ContentPart.Text, ContentPart.Image, ContentPart.Other {

    /** Plain text. */
    record Text(String text) implements ContentPart {
        public Text {
            if (text == null) {
                throw new IllegalArgumentException("text must not be null");
            }
        }
    }

    /**
     * An image by URL; {@code url} may be a {@code data:<mime>;base64,...} URL.
     *
     * @param detail OpenAI's {@code detail} hint ({@code auto}, {@code low}, {@code high}) or null
     */
    record Image(String url, String detail) implements ContentPart {
        public Image {
            if (url == null || url.isEmpty()) {
                throw new IllegalArgumentException("image url must not be empty");
            }
        }

        /** Whether the image is inline ({@code data:} URL). */
        public boolean isData() {
            return url.startsWith("data:");
        }

        /** The media type of a {@code data:} URL (e.g. {@code image/png}), or null. */
        public String dataMediaType() {
            if (!isData()) {
                return null;
            }
            int semi = url.indexOf(';');
            int comma = url.indexOf(',');
            int end = semi > 0 && semi < comma ? semi : comma;
            return end > 5 ? url.substring(5, end) : null;
        }

        /** The base64 payload of a {@code data:} URL, or null. */
        public String dataBase64() {
            if (!isData()) {
                return null;
            }
            int comma = url.indexOf(',');
            return comma < 0 ? null : url.substring(comma + 1);
        }
    }

    /** A part of a type Detour does not model ({@code input_audio}, {@code file}, ...). */
    record Other(String type, JsonNode raw) implements ContentPart {
    }
}
