/**
 * Running the {@code smelt} command in-process from tests, capturing exit code, stdout and stderr.
 */
package dev.smelt.testkit.cli;
