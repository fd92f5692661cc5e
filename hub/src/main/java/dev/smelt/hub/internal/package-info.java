/**
 * Hub client machinery, not API: classes here may change without notice. {@code RepoPaths} checks and encodes
 * repository file paths (a path from the server never escapes its target folder).
 */
package dev.smelt.hub.internal;
