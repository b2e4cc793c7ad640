"""A deterministic generic-format extract of any size, for the import benchmark."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from drp_tui.domain.extract import GENERIC_COLUMNS

STAGES = ["reminder", "second_reminder", "final_notice", "summons", "liability_order"]
FORENAMES = ["Aisha", "Tom", "Sarah", "Gareth", "Chloe", "Ravi", "Jade", "Dylan", "Sean", "Mary"]
SURNAMES = ["Khan", "Hughes", "Evans", "Smith", "Patel", "Wilson", "Price", "Jones", "Brown"]


def write_extract(path: Path, rows: int, seed: int = 1) -> None:
    """`rows` debts, about 1.25 per person, council tax, with addresses and mobile numbers."""
    rng = random.Random(seed)
    person = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(GENERIC_COLUMNS)
        for number in range(rows):
            if number == 0 or rng.random() < 0.8:
                person += 1
            balance = rng.randint(2_000, 300_000)
            stage = STAGES[number % len(STAGES)]
            writer.writerow(
                [
                    f"P{person}",
                    "Mr",
                    FORENAMES[person % 10],
                    SURNAMES[person % 9],
                    f"{1945 + person % 60}-{1 + person % 12:02d}-{1 + person % 28:02d}",
                    "",
                    f"{1 + person % 300} High Street",
                    "",
                    "Hightown",
                    f"HT{1 + person % 9} {person % 10}AB",
                    f"07700 9{person % 100_000:05d}",
                    "",
                    f"CT{number:08d}",
                    "council_tax",
                    "2025/26",
                    f"{balance / 100 + 80:.2f}",
                    f"{balance / 100:.2f}",
                    "80.00",
                    stage,
                    "2025-10-01",
                    "2025-10-01" if stage == "liability_order" else "",
                    "england",
                    "",
                ]
            )
