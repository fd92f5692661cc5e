/**
 * The recipe format: {@link dev.smelt.recipe.format.Recipe} (typed records, each field documented by
 * {@link dev.smelt.recipe.format.Doc}), {@link dev.smelt.recipe.format.RecipeLoader} (YAML with positions,
 * {@code --set} overrides, {@code ${env:NAME}}/{@code ${var}} substitution, validation naming file:line:col and field)
 * and {@link dev.smelt.recipe.format.RecipeSchema} (JSON Schema for editors).
 */
package dev.smelt.recipe.format;
