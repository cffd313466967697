"""Write the sample targets and their feature files (seeded, deterministic).

Run from anywhere: ``python sample_data/make_samples.py [OUT_DIR]`` (default: next to this
script). Every data set draws from its own
seeded generator, so changing one never changes the others, and the files come out byte for byte
the same on every run (CSV is written by hand with fixed decimals, not by pandas).

Each target is a function of its features plus noise, so a small network can beat the trivial
baseline in a few epochs: the scaffold's end-to-end tests rely on that.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE
N_ROWS = 400
GASES = ("He", "Ne", "Ar", "Kr", "Xe", "Rn")
# Physical properties the noisy "measurements" scatter around: gas density at STP (g/L),
# boiling point (K), first ionization energy (eV).
GAS_DENSITY = (0.1786, 0.9002, 1.784, 3.749, 5.894, 9.73)
GAS_BOILING = (4.22, 27.07, 87.30, 119.93, 165.05, 211.5)
GAS_IONIZATION = (24.59, 21.56, 15.76, 14.00, 12.13, 10.75)


def _cell(value: object, decimals: int) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{decimals}f}"
    return str(value)


def write_csv(
    name: str, header: Sequence[str], columns: Sequence[Sequence[object]], decimals: int = 4
) -> None:
    """Write columns (equal length) as a CSV file with a header, floats at fixed decimals."""
    rows = zip(*columns, strict=True)
    with open(OUT / name, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(v, decimals) for v in row])


def write_parquet(name: str, data: dict[str, np.ndarray]) -> None:
    """Write named columns as a Parquet file (no pandas index, no compression surprises)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({k: pa.array(v) for k, v in data.items()})
    pq.write_table(table, OUT / name, compression="snappy", write_statistics=False)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def make_houses() -> None:
    """House prices (regression on a large scale), CSV and Parquet."""
    rng = np.random.default_rng(101)
    sqft = rng.uniform(600, 3500, N_ROWS).round(0)
    bedrooms = rng.integers(1, 6, N_ROWS)
    age = rng.uniform(0, 80, N_ROWS).round(1)
    neighborhood = rng.choice(np.array(["riverside", "downtown", "suburb"]), N_ROWS)
    premium = np.select(
        [neighborhood == "downtown", neighborhood == "riverside"], [60_000.0, 30_000.0], 0.0
    )
    price = 40_000 + 180 * sqft + 9_000 * bedrooms - 900 * age + premium
    price = (price + rng.normal(0, 25_000, N_ROWS)).round(0)
    header = ["sqft", "bedrooms", "age_years", "neighborhood"]
    write_csv("house_features.csv", header, [sqft, bedrooms, age, neighborhood], decimals=1)
    write_csv("house_prices.csv", ["price"], [price], decimals=0)
    write_parquet(
        "house_features.parquet",
        {"sqft": sqft, "bedrooms": bedrooms, "age_years": age, "neighborhood": neighborhood},
    )
    write_parquet("house_prices.parquet", {"price": price})


def make_engines() -> None:
    """Engine health in [0, 1] (bounded regression)."""
    rng = np.random.default_rng(202)
    hours = rng.uniform(0, 20_000, N_ROWS).round(0)
    temperature = rng.normal(90, 8, N_ROWS).round(2)
    vibration = rng.gamma(2.0, 0.6, N_ROWS).round(3)
    oil_quality = rng.uniform(0, 1, N_ROWS).round(3)
    z = 2.5 - hours / 5_000 - (temperature - 90) / 8 - vibration + 1.5 * oil_quality
    health = np.clip(sigmoid(z + rng.normal(0, 0.3, N_ROWS)), 0.001, 0.999)
    header = ["hours", "temperature_c", "vibration_mm_s", "oil_quality"]
    write_csv("engine_features.csv", header, [hours, temperature, vibration, oil_quality])
    write_csv("engine_health.csv", ["health"], [health])


def make_buildings() -> None:
    """Heating and cooling load of buildings (several regression targets)."""
    rng = np.random.default_rng(303)
    area = rng.uniform(500, 800, N_ROWS).round(1)
    height = rng.choice(np.array([3.5, 7.0]), N_ROWS)
    glazing = rng.choice(np.array([0.0, 0.1, 0.25, 0.4]), N_ROWS)
    orientation = rng.choice(np.array(["north", "east", "south", "west"]), N_ROWS)
    heating = 5 + 0.02 * area + 2.5 * height + 20 * glazing + rng.normal(0, 1.5, N_ROWS)
    cooling = 8 + 0.015 * area + 2.2 * height + 12 * glazing + rng.normal(0, 1.5, N_ROWS)
    cooling = cooling + np.where(orientation == "south", 2.0, 0.0)
    header = ["surface_area", "height", "glazing_area", "orientation"]
    write_csv("building_features.csv", header, [area, height, glazing, orientation], decimals=2)
    write_csv("building_loads.csv", ["heating_load", "cooling_load"], [heating, cooling], 2)


def make_machines() -> None:
    """Machine failure state (binary) as 0/1, one-hot, yes/no and .npy; plus one wide table."""
    rng = np.random.default_rng(404)
    temperature = rng.normal(70, 10, N_ROWS)
    pressure = rng.normal(30, 5, N_ROWS)
    vibration = rng.gamma(2.0, 1.0, N_ROWS)
    rpm = rng.uniform(800, 3000, N_ROWS)
    z = (
        -1.2
        + 0.12 * (temperature - 70)
        + 0.15 * (pressure - 30)
        + 0.9 * (vibration - 2)
        + rng.normal(0, 0.5, N_ROWS)
    )
    # About a third of the machines fail: imbalanced enough for class weights to matter.
    failed = (sigmoid(z) > 0.5).astype(np.int64)
    features = [temperature.round(2), pressure.round(2), vibration.round(3), rpm.round(0)]
    header = ["temperature", "pressure", "vibration", "rpm"]
    write_csv("machine_features.csv", header, features, decimals=3)
    write_csv("machine_failure.csv", ["failed"], [failed])
    write_csv("machine_failure_onehot.csv", ["ok", "failed"], [1 - failed, failed])
    yes_no = np.where(failed == 1, "yes", "no")
    write_csv("machine_failure_yesno.csv", ["failed"], [yes_no])
    np.save(OUT / "machine_features.npy", np.stack(features, axis=1).astype(np.float32))
    np.save(OUT / "machine_failure.npy", failed.astype(np.int64))

    # The same machines as one table: an R-style row index, a string category, a bool, and
    # missing cells in the features (never in the target).
    machine_type = rng.choice(np.array(["lathe", "press", "mill"]), N_ROWS)
    has_coolant = rng.random(N_ROWS) < 0.7
    table_temp = temperature.round(2).astype(object)
    table_rpm = rpm.round(0).astype(object)
    for column in (table_temp, table_rpm):
        column[rng.choice(N_ROWS, 12, replace=False)] = None
    write_csv(
        "machines_table.csv",
        [
            "rownames",
            "machine_type",
            "temperature",
            "pressure",
            "vibration",
            "rpm",
            "has_coolant",
            "failed",
        ],
        [
            np.arange(1, N_ROWS + 1),
            machine_type,
            table_temp,
            pressure.round(2),
            vibration.round(3),
            table_rpm,
            has_coolant,
            yes_no,
        ],
        decimals=3,
    )


def make_gases() -> None:
    """One noble gas per row (multiclass) from noisy physical measurements."""
    rng = np.random.default_rng(505)
    k = rng.integers(0, len(GASES), N_ROWS)
    density = np.array(GAS_DENSITY)[k] * rng.normal(1.0, 0.15, N_ROWS)
    boiling = np.array(GAS_BOILING)[k] + rng.normal(0, 12, N_ROWS)
    ionization = np.array(GAS_IONIZATION)[k] + rng.normal(0, 1.0, N_ROWS)
    # A reading that carries no information: the network must learn to ignore it.
    pressure = rng.uniform(0.9, 1.1, N_ROWS)
    header = ["density_g_l", "boiling_point_k", "ionization_ev", "pressure_atm"]
    features = [density, boiling, ionization, pressure]
    write_csv("gas_features.csv", header, features)
    names = np.array(GASES)[k]
    write_csv("noble_gas.csv", ["gas"], [names])
    # Periods 1..6: integer labels that are 1-based, so the script must map them to 0..5.
    write_csv("noble_gas_period.csv", ["period"], [k + 1])
    onehot = np.eye(len(GASES), dtype=np.int64)[k]
    write_csv("noble_gas_onehot.csv", list(GASES), list(onehot.T))
    np.save(OUT / "noble_gas.npy", names.astype("<U2"))


def _spectrum(rng: np.random.Generator, amounts: np.ndarray, n_channels: int) -> np.ndarray:
    """Intensities on ``n_channels`` spectral channels: each gas lights up its own two lines."""
    n_gases = amounts.shape[1]
    lines = np.zeros((n_gases, n_channels))
    for g in range(n_gases):
        lines[g, (2 * g) % n_channels] = 1.0
        lines[g, (2 * g + 5) % n_channels] = 0.6
    noise = rng.normal(0, 0.12, (amounts.shape[0], n_channels))
    return amounts @ lines + noise


def make_mixtures() -> None:
    """Which noble gases a sample holds (multi-hot, label sets) and in what fractions (soft)."""
    rng = np.random.default_rng(606)
    present = (rng.random((N_ROWS, len(GASES))) < 0.35).astype(np.int64)
    empty = present.sum(axis=1) == 0
    present[empty, rng.integers(0, len(GASES), int(empty.sum()))] = 1
    spectrum = _spectrum(rng, present.astype(float), 12)
    header = [f"line_{i:02d}" for i in range(12)]
    write_csv("mixture_features.csv", header, list(spectrum.T), decimals=4)
    write_csv("noble_gas_presence.csv", list(GASES), list(present.T))
    np.save(OUT / "noble_gas_presence.npy", present.astype(np.int8))
    sets = ["|".join(g for g, on in zip(GASES, row, strict=True) if on) for row in present]
    write_csv("noble_gas_sets.csv", ["gases"], [sets])

    # Soft labels: the fractions of each gas in a mixture, in thousandths so rows sum to 1.
    rng = np.random.default_rng(607)
    fractions = rng.dirichlet(np.full(len(GASES), 0.6), N_ROWS)
    thousandths = np.floor(fractions * 1000).astype(np.int64)
    thousandths[np.arange(N_ROWS), thousandths.argmax(axis=1)] += 1000 - thousandths.sum(axis=1)
    spectrum = _spectrum(rng, thousandths / 1000.0, 12)
    write_csv("fraction_features.csv", header, list(spectrum.T), decimals=4)
    write_csv("noble_gas_fractions.csv", list(GASES), list((thousandths / 1000.0).T), decimals=3)


# Movie reviews: filler words every review shares, and words that carry the sentiment.
REVIEW_FILLER = (
    "the", "film", "story", "plot", "actors", "ending", "music", "scenes", "director", "was",
    "and", "with", "its", "quite", "really", "a", "bit", "too", "long", "at", "times", "but",
    "overall", "i", "found", "it", "we", "watched", "on", "sunday", "cast", "script",
)
REVIEW_WORDS = {
    "positive": ("great", "wonderful", "loved", "excellent", "superb", "moving", "brilliant"),
    "negative": ("terrible", "awful", "hated", "boring", "dreadful", "dull", "tedious"),
}


def make_reviews() -> None:
    rng = np.random.default_rng(7)
    sentiment = np.where(rng.random(N_ROWS) < 0.5, "positive", "negative")
    reviews = []
    for label in sentiment:
        # 10% of the reviews say the opposite word too: the text is not a perfect key.
        words = list(rng.choice(REVIEW_FILLER, rng.integers(6, 16)))
        words += list(rng.choice(REVIEW_WORDS[str(label)], 2, replace=False))
        if rng.random() < 0.1:
            other = "negative" if label == "positive" else "positive"
            words.append(str(rng.choice(REVIEW_WORDS[other])))
        rng.shuffle(words)
        reviews.append(" ".join(str(w) for w in words).capitalize() + ".")
    genre = rng.choice(np.array(["drama", "comedy", "thriller", "documentary"]), N_ROWS)
    stars = rng.integers(1, 6, N_ROWS)  # noise: only the words tell the sentiment
    write_csv(
        "reviews_table.csv",
        ["review", "genre", "stars", "sentiment"],
        [reviews, genre, stars, sentiment],
    )
def make_masks(n: int = 40, size: int = 32) -> None:
    """Masks and their images: 40 gray 32x32 images of a circle and a square on noise, and
    per-pixel labels 0 (background), 1 (circle), 2 (square; drawn over the circle)."""
    rng = np.random.default_rng(12)
    yy, xx = np.mgrid[:size, :size]
    masks = np.zeros((n, size, size), dtype="uint8")
    images = rng.integers(0, 60, (n, size, size, 1)).astype("uint8")
    for i in range(n):
        for cls in (1, 2):
            r = int(rng.integers(3, size // 5))
            cy, cx = rng.integers(r, size - r, 2)
            if cls == 1:
                shape = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
            else:
                shape = (abs(yy - cy) <= r) & (abs(xx - cx) <= r)
            masks[i][shape] = cls
    images[masks == 1] += 100  # the signal: circles mid-gray, squares bright
    images[masks == 2] += 190
    np.save(OUT / "shape_images.npy", images)
    np.save(OUT / "shape_masks.npy", masks)


def main() -> None:
    """Write every sample file next to this script, or into the folder given as argument."""
    global OUT
    if len(sys.argv) > 1:
        OUT = Path(sys.argv[1])
        OUT.mkdir(parents=True, exist_ok=True)
    make_houses()
    make_engines()
    make_buildings()
    make_machines()
    make_gases()
    make_mixtures()
    make_reviews()
    make_masks()


if __name__ == "__main__":
    main()
