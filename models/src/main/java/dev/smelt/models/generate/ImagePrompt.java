package dev.smelt.models.generate;

import dev.smelt.core.vision.PixelPatches;
import java.util.List;

/**
 * A prompt with images: token ids in which each image's placeholder ({@code image_token_id}) is already repeated
 * once per merged image token, and the images' patches in the order their placeholders appear.
 */
public record ImagePrompt(long[] ids, List<PixelPatches> images) {
    public ImagePrompt {
        images = List.copyOf(images);
    }

    /** Tokens the images occupy. */
    public int imageTokens() {
        return images.stream().mapToInt(PixelPatches::numTokens).sum();
    }
}
