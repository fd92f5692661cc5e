package dev.smelt.datasets.prepare;

import dev.smelt.datasets.format.InvalidRowException;
import dev.smelt.datasets.render.RenderedExample;
import dev.smelt.datasets.source.RowLocation;
import dev.smelt.datasets.tokenize.TokenizedExample;

/** The outcome of one row: an example, or the reason it is invalid. */
public sealed interface ProcessedRow {
    RowLocation location();

    record Example(RowLocation location, RenderedExample rendered, TokenizedExample tokens) implements ProcessedRow {}

    record Invalid(RowLocation location, InvalidRowException error) implements ProcessedRow {}
}
