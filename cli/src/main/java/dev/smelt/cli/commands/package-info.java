/**
 * One class per {@code smelt} subcommand, and the option groups several share. A command parses options, calls one
 * library entry point and prints the result; logic a library user would need lives in the library modules.
 */
package dev.smelt.cli.commands;
