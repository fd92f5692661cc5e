/**
 * {@code smelt bundle}: {@link BundleRequest} (the inputs), {@link BundleInputs} (what they say: base model, licence,
 * data sets, metrics, GGUF names and tiers) and {@link Bundler} (gates the licence, stamps provenance into every
 * artefact while streaming it into the archive, then writes MANIFEST.json and SHA256SUMS). {@link BundleLayout}
 * names the paths inside a bundle.
 */
package dev.smelt.bundle.assemble;
