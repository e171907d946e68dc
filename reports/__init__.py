"""Area reports for planners and leaders: PDF (WeasyPrint, Noto CJK), XLSX (XlsxWriter),
GeoPackage (pyogrio) and CSV, from the map's own filters, under the caller's jurisdiction."""
