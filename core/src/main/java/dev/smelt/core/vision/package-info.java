/**
 * Image input for Qwen3.5 vision checkpoints, exactly as the Hugging Face processor prepares it:
 * {@link ImageProcessorConfig} (preprocessor_config.json), {@link SmartResize} (multiples of patch × merge with
 * Python's half-to-even rounding and the pixel limits), {@link PilBicubic} (Pillow's two-pass fixed-point bicubic
 * resampling), {@link RgbImage} (PNG/JPEG decoded with ImageIO into 8-bit RGB, as PIL's {@code convert("RGB")}) and
 * {@link ImagePreprocessor} (rescale, normalize, 2×2-block-major patch rows: {@link PixelPatches}).
 */
package dev.smelt.core.vision;
