/**
 * The recipe runner: {@link dev.smelt.recipe.run.Plan} (the steps in order with their keys),
 * {@link dev.smelt.recipe.run.Step} and {@link dev.smelt.recipe.run.Steps} (the sealed family of step kinds, each
 * calling the library that owns its stage), {@link dev.smelt.recipe.run.RecipeRunner} (cache by key, {@code --from},
 * resume, dry run, gates) and {@link dev.smelt.recipe.run.RunReport} (human log and JSON, exit codes).
 */
package dev.smelt.recipe.run;
