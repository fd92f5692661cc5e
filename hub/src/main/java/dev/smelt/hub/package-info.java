/**
 * Smelt's Hugging Face Hub client, the types a library user works with: {@link dev.smelt.hub.HubClient} (pull into
 * the huggingface_hub cache, push through the commit API), its settings, repository names, path filters, push
 * requests and results, retry policy, transfer progress, and {@link dev.smelt.hub.SnapshotPath} (a cache path read
 * back into repository and commit). It moves bytes and never knows model architectures or file formats; the
 * machinery behind it lives in {@code dev.smelt.hub.internal}.
 */
package dev.smelt.hub;
