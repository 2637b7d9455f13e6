package dev.detour.api;

/** The options type of an extension that takes no options: any key under it is an error. */
public record NoOptions() {
}
