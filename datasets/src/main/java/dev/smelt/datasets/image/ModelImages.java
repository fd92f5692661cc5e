package dev.smelt.datasets.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import dev.smelt.core.vision.ImagePreprocessor;
import dev.smelt.core.vision.ImageProcessorConfig;
import dev.smelt.core.vision.RgbImage;
import dev.smelt.datasets.format.InvalidRowException;
import dev.smelt.datasets.source.RowLocation;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * What a model directory says about images, for data preparation: the placeholder token its processor repeats per
 * merged image token ({@code image_token_id} of {@code config.json}) and its image processor
 * ({@code preprocessor_config.json}), which fixes how many tokens an image of a given size becomes. A model whose
 * {@code config.json} has no {@code vision_config} takes no images ({@link #read} returns null).
 */
public final class ModelImages {
    private final Path modelDir;
    private final int imageTokenId;
    private final ImagePreprocessor preprocessor;

    public ModelImages(Path modelDir, int imageTokenId, ImagePreprocessor preprocessor) {
        this.modelDir = modelDir;
        this.imageTokenId = imageTokenId;
        this.preprocessor = preprocessor;
    }

    /** The model's image settings, or null when it has no vision tower. */
    public static ModelImages read(Path modelDir) {
        Path cfg = modelDir.resolve("config.json");
        if (!Files.isRegularFile(cfg)) return null;
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(cfg.toFile());
        } catch (IOException e) {
            throw new SmeltException(cfg + ": not valid JSON (" + e.getMessage().split("\n", 2)[0] + ")", e);
        }
        if (root == null || !root.hasNonNull("vision_config")) return null;
        JsonNode id = root.get("image_token_id");
        if (id == null || !id.canConvertToInt()) {
            throw new SmeltException(cfg + ": \"image_token_id\" is missing or not an integer (a vision model names its image placeholder token)");
        }
        return new ModelImages(modelDir, id.asInt(), new ImagePreprocessor(ImageProcessorConfig.read(modelDir)));
    }

    public int imageTokenId() {
        return imageTokenId;
    }

    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    /**
     * Resolves an image path of a row (relative to the data file's folder unless absolute), checks the file is an
     * image and measures it.
     *
     * @throws InvalidRowException naming the row when the image is missing, unreadable or too large
     */
    public ImageRef resolve(String path, RowLocation at) {
        Path file;
        try {
            Path p = Path.of(path);
            file = p.isAbsolute() || at.dir() == null ? p : at.dir().resolve(p);
        } catch (InvalidPathException e) {
            throw new InvalidRowException(at, "image \"" + path + "\" is not a valid path");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidRowException(at, "image \"" + path + "\" not found (looked for " + file.toAbsolutePath().normalize() + ")");
        }
        int[] wh = size(file, path, at);
        int[] hw = preprocessor.targetSize(wh[0], wh[1]);
        int f = preprocessor.config().factor();
        return new ImageRef(file.toAbsolutePath().normalize(), hw[0] / f, hw[1] / f);
    }

    /** Width and height from the image header (the pixels are decoded when training reads the image). */
    private static int[] size(Path file, String path, RowLocation at) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new InvalidRowException(at, "image \"" + path + "\" is not a readable image (expected PNG or JPEG)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w * h > RgbImage.MAX_DECODED_PIXELS) {
                    throw new InvalidRowException(at, "image \"" + path + "\" is " + w + "x" + h + " pixels, over the limit of "
                            + RgbImage.MAX_DECODED_PIXELS);
                }
                return new int[] {(int) w, (int) h};
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidRowException r) throw r;
            throw new InvalidRowException(at, "image \"" + path + "\" is not a readable image ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage().split("\n", 2)[0]) + ")");
        }
    }

    /**
     * Repeats the i-th {@code image_token_id} of {@code ex} once per merged token of {@code images.get(i)} (what the
     * Hugging Face processor does to the rendered text); the image tokens are never trained.
     *
     * @throws SmeltException when the rendered text holds another number of placeholders than there are images
     */
    public TokenizedExample expand(TokenizedExample ex, List<ImageRef> images) {
        return expand(ex, images, imageTokenId);
    }

    /** {@link #expand(TokenizedExample, List)} for a given placeholder token. */
    public static TokenizedExample expand(TokenizedExample ex, List<ImageRef> images, int imageTokenId) {
        int[] ids = ex.inputIds();
        int found = 0;
        for (int id : ids) if (id == imageTokenId) found++;
        if (found != images.size()) {
            throw new SmeltException("the rendered conversation holds " + found + " image placeholder token(s) (id "
                    + imageTokenId + ") for " + images.size() + " image part(s)");
        }
        if (images.isEmpty()) return ex;
        int n = ids.length - found;
        for (ImageRef r : images) n += r.tokens();
        int[] outIds = new int[n];
        int[] outLabels = new int[n];
        int o = 0, k = 0;
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] == imageTokenId) {
                int count = images.get(k++).tokens();
                for (int j = 0; j < count; j++) {
                    outIds[o] = imageTokenId;
                    outLabels[o++] = TokenizedExample.IGNORE;
                }
            } else {
                outIds[o] = ids[t];
                outLabels[o++] = ex.labels()[t];
            }
        }
        return new TokenizedExample(outIds, outLabels, new ArrayList<>(images));
    }

    @Override
    public String toString() {
        return "ModelImages(" + modelDir + ", image_token_id " + imageTokenId + ")";
    }
}
