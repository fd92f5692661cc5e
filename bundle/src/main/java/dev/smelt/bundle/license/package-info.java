/**
 * Licences: {@link LicenseTexts} (the Apache License 2.0 text, byte for byte the one at
 * https://www.apache.org/licenses/LICENSE-2.0.txt), {@link LicenseDetector} (a model's or data set's licence from its
 * card front matter or its LICENSE file) and {@link LicenseGate} (whether a base model's licence allows an
 * Apache-2.0 bundle, or which licence the bundle carries instead).
 */
package dev.smelt.bundle.license;
