package dev.udadiffusion.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The allowed values of a numeric option, checked by {@link OptionRanges} before any command runs: values outside
 * [{@link #min}, {@link #max}] (or equal to {@code min} when {@link #minExclusive}) are a usage error, and so are NaN
 * and infinities for every floating-point option. Every numeric option of the CLI carries one (a test checks it).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface Range {

    double min() default Double.NEGATIVE_INFINITY;

    double max() default Double.POSITIVE_INFINITY;

    /** True when {@code min} itself is not allowed (a learning rate must be above 0). */
    boolean minExclusive() default false;
}
