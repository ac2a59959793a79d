"""What an analyst would script instead of `plazo check`: read the plan with pandas and
parse its date column. Usage: pandas-check.py PLAN (.tsv UTF-8, or .csv Windows-1252 ';')."""
import sys

import pandas as pd

path = sys.argv[1]
if path.endswith(".csv"):
    df = pd.read_csv(path, sep=";", encoding="cp1252", skiprows=4, dtype=str)
else:
    df = pd.read_csv(path, sep="\t", encoding="utf-8", skiprows=4, dtype=str)
dates = pd.to_datetime(df["Fecha Programada"], dayfirst=True, errors="coerce")
print(f"{path}: {len(df)} rows, {dates.notna().sum()} dates read, {dates.isna().sum()} not")
