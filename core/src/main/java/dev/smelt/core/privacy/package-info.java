/**
 * Keeping Smelt offline: {@code DjlTelemetry} switches DJL's usage reporting off at every entry point unless the
 * user chose otherwise.
 */
package dev.smelt.core.privacy;
