package dev.smelt.bundle.card;

/** A data set the model was trained on, with the licence its card states ({@code unknown} when none). */
public record DatasetInfo(String id, String license) {}
