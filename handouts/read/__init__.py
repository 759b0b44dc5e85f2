"""Read stage: content/NAME.md -> Drug model.

workspace (find and look up pages) -> parse (bytes, front matter, text clean-up) ->
markdown (blocks) -> sections (titled parts) -> effects (side-effect groups, asking
triage whether each is severe) and faqs. Never imports ReportLab or the style.
"""
