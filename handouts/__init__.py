"""handouts: patient-handout PDFs from Markdown drug pages.

The package is split into one module per pipeline stage; see README.md.
"""

__version__ = "0.1.0"
