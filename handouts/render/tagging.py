"""Render stage, tagging layer: the PDF/UA-1 structure tree, filled in while pages
are drawn. Knows ReportLab's canvas and pdfdoc objects, never drugs, Markdown or styles.

The layout creates structure elements in story order; flowables, while they draw, mark
what they paint as marked content of an element (BDC with an MCID ... EMC) or as an
artifact. At save time the tree, its parent tree, the pages' /StructParents and /Tabs,
/MarkInfo and the XMP metadata (pdfuaid:part 1) go into the PDF. Same input, same bytes.
"""

from __future__ import annotations

from contextlib import contextmanager
from xml.sax.saxutils import escape as xml_escape

from reportlab.pdfbase.pdfdoc import (
    PDFArray, PDFDictionary, PDFName, PDFPage, PDFStream, PDFString,
)

from .internals import (
    PageHookCanvas, add_page_keys, append_operator, document_of, page_has_content,
    raise_pdf_version, time_stamp,
)

# Artifact kinds (ISO 32000-1 14.8.2.2): running headers and footers, rules and boxes.
HEADER = ("Pagination", "Header")
FOOTER = ("Pagination", "Footer")
LAYOUT = ("Layout", None)


class Element:
    """A structure element: its standard type (P, H1, L, Figure ...), its parent, and its
    children in reading order: elements, and (page, MCID) pairs of marked content."""

    __slots__ = ("role", "parent", "kids", "alt")

    def __init__(self, role: str, parent: "Element | None" = None, alt: str | None = None):
        self.role, self.parent, self.alt = role, parent, alt
        self.kids: list = []
        if parent is not None:
            parent.kids.append(self)

    def add(self, role: str, alt: str | None = None) -> "Element":
        """A new last child of this element."""
        return Element(role, self, alt)

    def has_content(self) -> bool:
        return any(not isinstance(k, Element) or k.has_content() for k in self.kids)


class Tags:
    """The structure tree of one document and the marked content of its pages."""

    def __init__(self):
        self.root = Element("Document")
        self._owners: dict[int, list[Element]] = {}  # page -> owner of each MCID
        self._pages: dict[int, PDFPage] = {}
        self._in_artifact = 0
        self._pending: list[Element] = []  # owners of the next text objects drawn

    # -- while drawing ---------------------------------------------------------------
    @contextmanager
    def content(self, canv, element: Element):
        """What is drawn inside is one marked-content sequence of `element` (nothing is
        marked inside an artifact: a repeat of tagged content there stays an artifact)."""
        if self._in_artifact:
            yield
            return
        page = canv.getPageNumber()
        owners = self._owners.setdefault(page, [])
        element.kids.append((page, len(owners)))
        append_operator(canv, f"/{element.role} <</MCID {len(owners)}>> BDC")
        owners.append(element)
        try:
            yield
        finally:
            append_operator(canv, "EMC")

    @contextmanager
    def artifact(self, canv, kind: tuple[str, str | None] = LAYOUT):
        """What is drawn inside is an artifact of `kind` (HEADER, FOOTER or LAYOUT)."""
        if self._in_artifact:
            self._in_artifact += 1
        else:
            subtype = f" /Subtype /{kind[1]}" if kind[1] else ""
            append_operator(canv, f"/Artifact <</Type /{kind[0]}{subtype}>> BDC")
            self._in_artifact = 1
        try:
            yield
        finally:
            self._in_artifact -= 1
            if not self._in_artifact:
                append_operator(canv, "EMC")

    @contextmanager
    def once(self, canv, real: bool, kind: tuple[str, str | None] = LAYOUT):
        """Tagged content where a reader meets it (`real`); its repeats (a running header,
        a box label on a continued part) are artifacts of `kind`."""
        if real:
            yield
            return
        with self.artifact(canv, kind):
            yield

    @contextmanager
    def text_objects(self, elements):
        """Each text object (BT .. ET) drawn inside is content of the next of `elements`,
        the last taking any that remain: a list item draws its bullet (Lbl), then its text."""
        saved, self._pending = self._pending, [e for e in elements if e is not None]
        try:
            yield
        finally:
            self._pending = saved

    def draw_text(self, canv, draw, text_object) -> None:
        """Called by the canvas for every text object."""
        if not self._pending:
            draw(text_object)
            return
        element = self._pending.pop(0) if len(self._pending) > 1 else self._pending[0]
        with self.content(canv, element):
            draw(text_object)

    def page_made(self, number: int, page: PDFPage) -> None:
        self._pages[number] = page

    # -- at save time ----------------------------------------------------------------
    def write(self, doc) -> None:
        """Put the tree, the parent tree, the page entries, /MarkInfo and the XMP
        metadata into `doc` (a ReportLab PDFDocument whose pages are all made)."""
        elements = [e for e in _walk(self.root) if e.has_content()]
        if not elements:
            return  # nothing was tagged (e.g. a pack's contents page): write no tree
        dicts = {id(e): PDFDictionary({}) for e in elements}
        refs = {id(e): doc.Reference(dicts[id(e)]) for e in elements}
        tree = PDFDictionary({"Type": PDFName("StructTreeRoot")})
        tree_ref = doc.Reference(tree)
        pages = {n: doc.Reference(p) for n, p in self._pages.items()}
        for e in elements:
            parent = refs[id(e.parent)] if e.parent is not None else tree_ref
            dicts[id(e)].dict.update(_element_entries(e, parent, refs, pages))
        nums: list = []
        for number, page in sorted(self._pages.items()):
            add_page_keys(page, {"Tabs": PDFName("S")})
            owners = self._owners.get(number)
            if owners:
                add_page_keys(page, {"StructParents": number - 1})
                nums += [number - 1, PDFArray([refs[id(e)] for e in owners])]
        tree.dict.update({
            "K": refs[id(self.root)],
            "ParentTree": doc.Reference(PDFDictionary({"Nums": PDFArray(nums)})),
            "ParentTreeNextKey": max(self._pages, default=0),
        })
        raise_pdf_version(doc, (1, 7))  # PDF/UA-1 is ISO 32000-1 (PDF 1.7)
        catalog = doc.Catalog
        catalog.StructTreeRoot = tree
        catalog.MarkInfo = PDFDictionary({"Marked": "true"})
        catalog.Metadata = PDFStream(
            PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
            xmp(doc))  # not compressed: XMP stays readable by any tool


def _walk(element: Element):
    yield element
    for kid in element.kids:
        if isinstance(kid, Element):
            yield from _walk(kid)


def _element_entries(e: Element, parent, refs: dict, pages: dict) -> dict:
    marked = [k for k in e.kids if not isinstance(k, Element)]
    home = marked[0][0] if marked else None  # the element's /Pg; others need an MCR
    kids = []
    for kid in e.kids:
        if isinstance(kid, Element):
            if kid.has_content():
                kids.append(refs[id(kid)])
        elif kid[0] == home:
            kids.append(kid[1])
        else:
            kids.append(PDFDictionary({"Type": PDFName("MCR"), "Pg": pages[kid[0]],
                                       "MCID": kid[1]}))
    entries = {"Type": PDFName("StructElem"), "S": PDFName(e.role), "P": parent,
               "K": kids[0] if len(kids) == 1 else PDFArray(kids)}
    if home is not None:
        entries["Pg"] = pages[home]
    if e.alt is not None:
        entries["Alt"] = PDFString(e.alt)
    return entries


class TaggedCanvas(PageHookCanvas):
    """A canvas whose text objects are marked as the layout asks, and that writes the
    structure tree into the document when it is saved."""

    def __init__(self, *args, tags: Tags, **kwargs):
        self.tags = tags
        super().__init__(*args, **kwargs)

    def drawText(self, aTextObject):
        self.tags.draw_text(self, super().drawText, aTextObject)

    def page_made(self, number: int, page) -> None:
        self.tags.page_made(number, page)

    def save(self):
        if page_has_content(self):
            self.showPage()
        self.tags.write(document_of(self))
        super().save()


# -- XMP metadata --------------------------------------------------------------------

def xmp(doc) -> bytes:
    """XMP packet matching the document's Info dictionary, with the PDF/UA-1 claim.

    Dates are the Info dates (SOURCE_DATE_EPOCH or ReportLab's fixed invariant date);
    the packet id is the fixed one the XMP specification gives.
    """
    info, stamp = doc.info, time_stamp(doc)
    y, mo, d, h, mi, s = stamp.YMDhms
    date = (f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"
            f"{'+' if stamp.dhh >= 0 else '-'}{abs(stamp.dhh):02d}:{stamp.dmm:02d}")
    t = {k: xml_escape(str(getattr(info, k))) for k in (
        "title", "author", "subject", "keywords", "creator", "producer")}
    lang = xml_escape(str(getattr(doc.Catalog, "Lang", None) and doc.Catalog.Lang.s or "en"))
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{t['title']}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{t['author']}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{t['subject']}</rdf:li></rdf:Alt></dc:description>
   <dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{t['producer']}</pdf:Producer>
   <pdf:Keywords>{t['keywords']}</pdf:Keywords>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreatorTool>{t['creator']}</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <pdfuaid:part>1</pdfuaid:part>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode("utf-8")
