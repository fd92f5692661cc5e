/** {@code smelt bench onnx}: onnxruntime on Smelt's ONNX exports beside Smelt's own DJL generation. */
package dev.smelt.bench.onnx;
