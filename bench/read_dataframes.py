"""What a data engineer would write: read every CSV of a OneRoster bundle (a folder
or a ZIP) into DataFrames, without validating anything.

usage: read_dataframes.py polars|pandas PATH
"""

import glob
import io
import os
import sys
import zipfile


def main() -> None:
    lib, path = sys.argv[1], sys.argv[2]
    if lib == "polars":
        import polars as pl

        def read(src):
            return pl.read_csv(src, infer_schema_length=0)

    else:
        import pandas as pd

        def read(src):
            return pd.read_csv(src, dtype=str, keep_default_na=False)

    frames = {}
    if os.path.isdir(path):
        for f in sorted(glob.glob(os.path.join(path, "*.csv"))):
            frames[os.path.basename(f)] = read(f)
    else:
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.lower().endswith(".csv"):
                    frames[name] = read(io.BytesIO(z.read(name)))
    rows = sum(len(df) for df in frames.values())
    print(f"{lib}: {len(frames)} files, {rows} rows")


if __name__ == "__main__":
    main()
