"""The query layer: frozen expressions, the immutable builder, grammars and execution."""
