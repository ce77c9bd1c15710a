"""Tools for trial authors: read a registry record, scaffold a trial file, check the catalogue.

A surface of its own (called by the command line, calling the core's loader): ``record`` finds
a registry record's inclusion and exclusion lists and splits them into lines, ``scaffold``
writes a trial file of review criteria from them, ``check`` runs every check on a catalogue in
one pass and words each problem on one line.
"""
