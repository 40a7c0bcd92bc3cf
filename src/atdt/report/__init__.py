"""Reports: paper-layout tables, results files and figures."""
