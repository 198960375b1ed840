"""The events stage: which words carry an act, with which CAMEO code, between whom, how firmly
reported, and by whom.

`match` finds candidate acts, `roles` picks source and target, `modality` and `attribution`
read how and by whom the act is reported, `assemble` puts them together into `Event`s.
"""

from .assemble import EventFinder, SentenceContext

__all__ = ["EventFinder", "SentenceContext"]
