import datetime as dt

import factory
from django.utils.text import slugify

from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Book,
    BookAuthor,
    Image,
    Issue,
    Publication,
    Topic,
)


class PublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publication
        django_get_or_create = ("slug",)

    name = "Socialist Worker"
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issue

    publication = factory.SubFactory(PublicationFactory)
    number = factory.Sequence(lambda n: 3000 + n)
    slug = factory.LazyAttribute(lambda o: f"{o.publication.slug}-{o.number}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Writer {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    issue = factory.SubFactory(IssueFactory)
    headline = factory.Sequence(lambda n: f"Strike wave number {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.headline))
    standfirst = "Workers walked out across the city."
    body = "The first paragraph.\n\n## A subheading\n\nThe second paragraph."
    status = Article.Status.PUBLISHED
    published_at = factory.Sequence(
        lambda n: dt.datetime(2011, 1, 1, 12, tzinfo=dt.UTC) + dt.timedelta(days=n)
    )

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create:
            for position, author in enumerate(extracted or [AuthorFactory()]):
                ArticleAuthor.objects.create(article=self, author=author, position=position)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Image

    article = factory.SubFactory(ArticleFactory)
    position = factory.Sequence(int)
    caption = factory.Sequence(lambda n: f"Pickets on day {n}")


class BookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Book
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Pamphlet {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create:
            for position, author in enumerate(extracted or [AuthorFactory()]):
                BookAuthor.objects.create(book=self, author=author, position=position)
