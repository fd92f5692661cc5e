package dev.smelt.recipe.format;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a recipe field means (shown by {@code smelt recipe schema} as the JSON Schema {@code description}), and how
 * it is checked: {@link #required}, {@link #min}/{@link #max} for numbers ({@code minExclusive} for "positive"),
 * {@link #oneOf} for a fixed set of words, {@link #key} when the YAML key is not the component name in snake_case.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.TYPE})
public @interface Doc {
    String value();

    boolean required() default false;

    double min() default Double.NEGATIVE_INFINITY;

    double max() default Double.POSITIVE_INFINITY;

    /** With {@link #min}: the value must be greater than min, not equal to it. */
    boolean minExclusive() default false;

    /** Allowed words (case-insensitive); empty: any. */
    String[] oneOf() default {};

    /** The YAML key; empty: the component name in snake_case. */
    String key() default "";
}
