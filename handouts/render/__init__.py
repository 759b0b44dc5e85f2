"""Render stage: Drug + Style + Config -> tagged PDF/UA-1 bytes, with ReportLab.

markup and glyphs (text to inert markup; no ReportLab), look (Style -> paragraph
styles), story (blocks -> flowables), page (header, footer, review mark, page label),
document (assembly), with flowables, tagging, fonts and internals (ReportLab's private
API, in one place). Never imports Markdown or YAML code.
"""
