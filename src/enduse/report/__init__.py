"""``enduse report``: one self-contained HTML page that explains an audit output to a reader.

``write_report(audit_path, out_path, pack)`` reads a table written by ``enduse
audit`` and writes the page; ``render_report(frame, pack, source_name)`` returns
it as a string. The page needs nothing from the network.
"""

from enduse.report.html import render_report, write_report

__all__ = ["render_report", "write_report"]
