/**
 * Images in training data: image parts resolved against the data file, checked and measured ({@link
 * dev.smelt.datasets.image.ModelImages}), and each image's placeholder token expanded to the number of merged tokens the
 * model's image processor makes of it ({@link dev.smelt.datasets.image.ImageRef}).
 */
package dev.smelt.datasets.image;
