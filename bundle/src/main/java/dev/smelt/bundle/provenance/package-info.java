/**
 * Provenance stamped into every artefact while it is copied into a bundle ({@link Provenance}: licence id, name
 * and link, base models, tags, chat template, Smelt version). {@link GgufProvenance} rewrites a GGUF header and
 * streams its tensor data region unchanged; {@link SafetensorsProvenance} rewrites the JSON header's
 * {@code __metadata__}; {@link OnnxProvenance} appends {@code metadata_props} entries to a serialized ModelProto
 * (a valid protobuf merge). Each gives an {@link dev.smelt.bundle.archive.ArchiveEntry} of known size that streams
 * the input once; nothing is copied to disk first.
 */
package dev.smelt.bundle.provenance;
