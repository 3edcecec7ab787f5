// The comparison suite: the same 16 tests as ../suite.yaml (cargo xtask compare).
const { test, expect } = require('@playwright/test');
const URL = process.env.BENCH_URL + '/index.html';

test('t00', async ({ page }) => {
  await page.goto(URL);
  await page.locator('#name').fill('User 0');
  await page.locator('#size').selectOption({ label: 'Large' });
  await page.locator('#submit').click();
  await expect(page.locator('#result')).toHaveText('Ordered 1 Large for User 0');
});

test('t01', async ({ page }) => {
  await page.goto(URL);
  await page.locator('#name').fill('Gift 1');
  await page.locator('#gift').check();
  await page.locator('#qty').fill('3');
  await page.locator('#submit').click();
  await expect(page.locator('#result')).toHaveText('Ordered 3 Small for Gift 1 (gift)');
});

test('t02', async ({ page }) => {
  await page.goto(URL);
  await page.locator('#more').click();
  await expect(page.locator('.item')).toHaveCount(10);
  await page.locator('#more').click();
  await expect(page.locator('.item')).toHaveCount(15);
});

test('t03', async ({ page }) => {
  await page.goto(URL);
  await expect(page).toHaveTitle('Bench Shop');
  await page.getByPlaceholder('Your name').fill('P 3');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.locator('#result')).toContainText('for P 3');
});

test('t04', async ({ page }) => {
  await page.goto(URL);
  await page.locator('#name').fill('User 4');
  await page.locator('#size').selectOption({ label: 'Large' });
  await page.locator('#submit').click();
  await expect(page.locator('#result')).toHaveText('Ordered 1 Large for User 4');
});

test('t05', async ({ page }) => {
  await page.goto(URL);
  await page.locator('#name').fill('Gift 5');
  await page.locator('#gift').check();
  await page.locator('#qty').fill('3');
  await page.locator('#submit').click();
  await expect(page.locator('#result')).toHaveText('Ordered 3 Small for Gift 5 (gift)');
});

test('t06', async ({ page }) => {
  await page.goto(URL);
  await page.locator('#more').click();
  await expect(page.locator('.item')).toHaveCount(10);
  await page.locator('#more').click();
  await expect(page.locator('.item')).toHaveCount(15);
});

test('t07', async ({ page }) => {
  await page.goto(URL);
  await expect(page).toHaveTitle('Bench Shop');
  await page.getByPlaceholder('Your name').fill('P 7');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.locator('#result')).toContainText('for P 7');
});

test('t08', async ({ page }) => {
  await page.goto(URL);
  await page.locator('#name').fill('User 8');
  await page.locator('#size').selectOption({ label: 'Large' });
  await page.locator('#submit').click();
  await expect(page.locator('#result')).toHaveText('Ordered 1 Large for User 8');
});

test('t09', async ({ page }) => {
  await page.goto(URL);
  await page.locator('#name').fill('Gift 9');
  await page.locator('#gift').check();
  await page.locator('#qty').fill('3');
  await page.locator('#submit').click();
  await expect(page.locator('#result')).toHaveText('Ordered 3 Small for Gift 9 (gift)');
});

test('t10', async ({ page }) => {
  await page.goto(URL);
  await page.locator('#more').click();
  await expect(page.locator('.item')).toHaveCount(10);
  await page.locator('#more').click();
  await expect(page.locator('.item')).toHaveCount(15);
});

test('t11', async ({ page }) => {
  await page.goto(URL);
  await expect(page).toHaveTitle('Bench Shop');
  await page.getByPlaceholder('Your name').fill('P 11');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.locator('#result')).toContainText('for P 11');
});

test('t12', async ({ page }) => {
  await page.goto(URL);
  await page.locator('#name').fill('User 12');
  await page.locator('#size').selectOption({ label: 'Large' });
  await page.locator('#submit').click();
  await expect(page.locator('#result')).toHaveText('Ordered 1 Large for User 12');
});

test('t13', async ({ page }) => {
  await page.goto(URL);
  await page.locator('#name').fill('Gift 13');
  await page.locator('#gift').check();
  await page.locator('#qty').fill('3');
  await page.locator('#submit').click();
  await expect(page.locator('#result')).toHaveText('Ordered 3 Small for Gift 13 (gift)');
});

test('t14', async ({ page }) => {
  await page.goto(URL);
  await page.locator('#more').click();
  await expect(page.locator('.item')).toHaveCount(10);
  await page.locator('#more').click();
  await expect(page.locator('.item')).toHaveCount(15);
});

test('t15', async ({ page }) => {
  await page.goto(URL);
  await expect(page).toHaveTitle('Bench Shop');
  await page.getByPlaceholder('Your name').fill('P 15');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.locator('#result')).toContainText('for P 15');
});
