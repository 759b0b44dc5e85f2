"""Deliver stage: PDF bytes -> files, batches, packs and emails.

files (atomic writes, output names), batch (one page or many, incremental), manifest
(what is up to date), parallel (worker processes, Ctrl-C), pack (print runs), mail and
smtp (email). Never parses Markdown itself: it calls the read and render stages.
"""
