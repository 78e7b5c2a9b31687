/**
 * Settings parsing shared by every Spillway component: {@link io.spillway.config.Sizes} reads and prints byte sizes
 * ({@code 4096}, {@code 64k}, {@code 16m}, {@code 4g}, {@code 1t}) and {@link io.spillway.config.PropertyReader}
 * reads typed values from properties with errors that name the property and the value.
 */
package io.spillway.config;
