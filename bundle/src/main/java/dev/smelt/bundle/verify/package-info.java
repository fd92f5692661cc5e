/**
 * Checking and unpacking bundles. {@link SafeExtractor} unpacks any bundle archive into a directory and refuses
 * absolute paths, {@code ..} components, links that leave the target and special files, writing nothing outside it
 * (and nothing at all when it refuses). {@link BundleVerifier} checks a bundle file or directory: structure, every
 * checksum, the Apache-2.0 text, each GGUF and safetensors header, reporting every failure it finds. {@link UnpackedBundle} is a verified bundle in a temporary directory (for upload).
 */
package dev.smelt.bundle.verify;
