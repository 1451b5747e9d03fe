//! weft-patch: the `apply_patch` grammar, its application to files, and turn diffs.
