/**
 * Building blocks the architectures share: the frozen {@link Linear} that LoRA adapters attach to, RMSNorm, rotary
 * embeddings, attention, the SwiGLU MLP, token embedding, and the dtype casts and scalar operands that keep DJL's
 * autograd path intact.
 */
package dev.smelt.models.nn;
