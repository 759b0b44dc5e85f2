"""Deliver stage: one structure tree for a print pack, so the pack is a tagged PDF/UA-1
document like each handout in it.

The pack's tree is the contents page's Document; each handout's own tree is copied in
as a Part (its language kept), its pages' /StructParents renumbered into one parent
tree, and each top-level bookmark points at its element (/SE). Never changes a page's
content stream.
"""

from __future__ import annotations

import pikepdf


class PackTree:
    """The pack's tree while handouts are added to it, in order."""

    def __init__(self, pack: pikepdf.Pdf):
        self.pack = pack
        self.tree = pack.Root.StructTreeRoot
        self.document = self.tree.K
        if not isinstance(self.document.K, pikepdf.Array):
            self.document.K = pikepdf.Array([self.document.K])
        nums = self.tree.ParentTree.Nums
        self.nums = [nums[i] for i in range(len(nums))]
        self.next_key = int(self.tree.ParentTreeNextKey)
        self.elements = [self._first_heading()]  # what each top-level bookmark points at

    def _first_heading(self):
        return next(kid for kid in self.document.K if kid.get("/S") == "/H1")

    def add(self, src: pikepdf.Pdf, first: int) -> None:
        """Graft `src`'s tree in as a Part; its pages are already pack pages first..."""
        root = src.Root.StructTreeRoot
        source_doc = root.K
        del source_doc["/P"]  # else its StructTreeRoot (and parent tree) is copied too
        part = self.pack.copy_foreign(source_doc)  # /Pg: the pack's copies of its pages
        part.S, part.P = pikepdf.Name.Part, self.document
        if "/Lang" in src.Root:
            part.Lang = src.Root.Lang
        self.document.K.append(part)
        self.elements.append(part)
        owners = _parent_tree(root)
        for offset, page in enumerate(src.pages):
            key = page.obj.get("/StructParents")
            if key is None:
                continue
            self.pack.pages[first + offset].obj.StructParents = self.next_key
            owned = pikepdf.Array([self.pack.copy_foreign(e) for e in owners[int(key)]])
            self.nums += [self.next_key, owned]
            self.next_key += 1

    def finish(self) -> None:
        """Write the merged parent tree, mark every page's tab order, and point each
        top-level bookmark at its element."""
        self.tree.ParentTree = self.pack.make_indirect(
            pikepdf.Dictionary(Nums=pikepdf.Array(self.nums)))
        self.tree.ParentTreeNextKey = self.next_key
        for page in self.pack.pages:
            page.obj.Tabs = pikepdf.Name.S
        item = self.pack.Root.Outlines.get("/First")
        for element in self.elements:
            if item is None:
                break
            item.SE = element
            item = item.get("/Next")


def _parent_tree(root) -> dict:
    """Key -> the array of elements owning that page's marked content (a flat /Nums,
    as the handouts are written)."""
    nums = root.ParentTree.Nums
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
