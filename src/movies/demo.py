"""Movies demo data: MovieLens (once), a trained model, and a few ratings and favorites
for ``demo_customer`` so personal recommendations show at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from movies import services, tmdb
from movies.importer import movielens_import
from movies.models import Movie, Rating, RecommenderModel

DEMO_USER = "demo_customer"
# (title, year, score); the favorites are the ones scored None.
DEMO_TASTE = (
    ("The Matrix", 1999, Decimal("5.0")),
    ("Star Wars: Episode IV - A New Hope", 1977, Decimal("4.5")),
    ("Toy Story", 1995, Decimal("4.0")),
    ("Pulp Fiction", 1994, Decimal("2.5")),
    ("The Lord of the Rings: The Fellowship of the Ring", 2001, None),
)


def demo_seed(stdout: Any = None) -> str:
    """MovieLens, demo_customer's taste and a trained model. Without MovieLens the movies
    demo would be empty, so ``seed_demo`` stops with ``load_movielens``'s CommandError
    (which names the package or data set missing) rather than report it skipped."""
    from movies.management.commands.import_movielens import load_movielens

    frame = load_movielens()
    report = movielens_import({name: frame[name].tolist() for name in frame.columns})
    user = get_user_model().objects.filter(username=DEMO_USER).first()
    if user is not None and not Rating.objects.filter(user=user).exists():
        for title, year, score in DEMO_TASTE:
            movie = Movie.objects.filter(title=title, year=year).first()
            if movie is None:
                continue
            if score is None:
                services.favorite_add(user=user, movie_id=movie.pk)
            else:
                services.rating_set(user=user, movie_id=movie.pk, score=score)
    trained = ""
    if report.ratings_created or not RecommenderModel.objects.exists():
        version = services.model_train().version
        trained = f", model v{version} trained"
    return (
        f"{report.movies_created} movies and {report.ratings_created} ratings imported "
        f"({report.skipped_without_title} rows without a title skipped){trained}"
    )


def landing_links() -> list[dict[str, str]]:
    """The landing card says whether TMDb is on (it is optional)."""
    links = [{"label": "Trending", "url": "/api/v1/movies/trending/"}]
    if tmdb.configured():
        links.append({"label": "TMDb: configured (data by TMDB)", "url": tmdb.ATTRIBUTION_URL})
    else:
        links.append({"label": "TMDb: not configured (MovieLens only)", "url": "/health/ready/"})
    return links
