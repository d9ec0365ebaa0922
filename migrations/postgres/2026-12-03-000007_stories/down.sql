DROP TABLE stories;
