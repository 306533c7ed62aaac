from django.apps import AppConfig


class PhonebankConfig(AppConfig):
    name = "phonebank"
