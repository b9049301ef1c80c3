"""Amending the program: new editions, the editing workbook, the draft amending resolution."""
