"""The plain line mode: Safe Space as lines of text, for screen readers, braille displays and slow links.

``ssh line@host`` (ssh/server.py decides) gives this instead of the full-screen app. It uses
the same command table (``commands.py``) and the same services; it never imports Textual
(tests/test_layers.py keeps that), and it never writes a cursor movement, a colour or a box.
"""
