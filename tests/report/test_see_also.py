"""A study report closes with the summaries of the other studies it names, read from their reports."""

from atdt.method.methods import report_names
from atdt.method.study_file import Study
from atdt.report.study import write_study_report
from study_points import point_result, seed_results, sem_scores

NAMES = report_names()


def test_see_also_closes_the_report_with_the_other_reports_summaries(tmp_path):
    sem = [seed_results(s, sem_scores, 30, 31 + s, 50) for s in range(2)]
    other = point_result("x", "mine", "", "depth", "semantic", sem_scores, sem)
    write_study_report(Study("cyc", "tiny", (0, 1), (), (other.point,)), [other], tmp_path / "docs" / "studies" / "cyc.md",
                       command="atdt study cyc", names=NAMES)
    main = point_result("y", "tab1", "a", "depth", "semantic", sem_scores, [seed_results(s, sem_scores, 20, 25, 50) for s in range(2)])
    study = Study("rep", "tiny", (0, 1), (), (main.point,), see_also=(str(tmp_path / "docs" / "studies" / "cyc.md"),
                                                                       str(tmp_path / "docs" / "studies" / "gone.md")))
    md = write_study_report(study, [main], tmp_path / "docs" / "results.md", command="atdt study rep", names=NAMES)["doc"].read_text()
    closing = md.split("## Other studies", 1)[1]
    assert "### [Study `cyc`](studies/cyc.md)" in closing and "Command: `atdt study cyc`" in closing
    assert "\nScores on B's and A's test split.\n" in closing  # which split its numbers are on
    assert "| mine | vivid → clean | mIoU (%) | 30.00 ± 0.50 | 31.50 ± 0.50 | 50.00 ± 0.50 | +1.50 ± 0.71 | **yes** |" in closing
    assert "### [gone](studies/gone.md)" in closing and "Not run yet: `atdt study gone --doc" in closing
    assert "Tab. 1" not in closing  # the study's own tables stay above
