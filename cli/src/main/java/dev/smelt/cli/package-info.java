/**
 * The {@code smelt} command: {@link Smelt} lists every subcommand and holds the exit-code contract (0 ok, 1
 * failure printed as one {@code smelt: error: ...} line, 2 usage error); global options and error printing.
 */
package dev.smelt.cli;
