"""What news needs beyond one answer: figures that were revised or disputed (conflicts), how a
story developed (timelines) and what happened in a period (briefings).

- :mod:`.intent` tells which of these a question asks for;
- :mod:`.values` reads the value each passage gives for what was asked (the reader's spans);
- :mod:`.conflicts` finds revised and disputed values among the passages an answer draws on;
- :mod:`.timeline` and :mod:`.briefing` write the dated lines.
"""
