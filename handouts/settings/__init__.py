"""Settings stage: styles/NAME.yaml -> Style, handouts.yaml -> Config.

yamlsafe (strict loading) -> schema (typed fields, every problem reported) -> style and
config; inputs says where a build's settings come from. Never draws or reads a page.
"""
